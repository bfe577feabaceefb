// node-smpp's own client as a benchmark baseline for bote's SMPP connector.
//
// Usage: node bench/smpp/node_client.js PORT [N] [W] [RECEIPTS]
//   binds a transceiver (bote / secret, as the test SMSC expects) to 127.0.0.1:PORT,
//   submits N messages (default 100000) keeping at most W submit_sm outstanding
//   (default 64), registered_delivery 1 (RECEIPTS 0: registered_delivery 0), answers
//   every deliver_sm and counts the submit_sm_resp and the delivery receipts whose id
//   it was given. Prints one JSON line: {messages, accepted, failed, receipts,
//   submit_s, all_s, submit_per_s, with_receipts_per_s, cpu_s}: submit_* up to the last
//   submit_sm_resp, all_* / with_receipts_* up to the last receipt (null without
//   receipts). Timing starts after the bind, when the first submit_sm is sent; `cpu_s`
//   is this process's CPU time over the same span. SMPP_BENCH_NODE_NODELAY=1: TCP_NODELAY
//   on the client's socket (node-smpp leaves Nagle on).
//
// It uses the smpp package (0.5.1) installed for the test SMSC in
// crates/channels/tests/smsc, so the client and the SMSC are the same node-smpp:
// npm ci --prefix crates/channels/tests/smsc (bench/smpp.sh does it).
'use strict';

const path = require('path');
const smpp = require(path.join(__dirname, '../../crates/channels/tests/smsc/node_modules/smpp'));

const port = Number(process.argv[2]);
const N = Number(process.argv[3] || 100000);
const W = Number(process.argv[4] || 64);
const RECEIPTS = process.argv[5] !== '0';
if (!port) {
  console.error('usage: node_client.js PORT [N] [W]');
  process.exit(2);
}

const session = smpp.connect({ url: `smpp://127.0.0.1:${port}` });
// node-smpp leaves Nagle on; bote's connector sets TCP_NODELAY. SMPP_BENCH_NODE_NODELAY=1
// sets it here too, to compare like with like.
if (process.env.SMPP_BENCH_NODE_NODELAY === '1') session.socket.setNoDelay(true);
let sent = 0;
let outstanding = 0;
let accepted = 0;
let failed = 0;
let receipts = 0;
let start = 0n;
let submitDone = 0n;
let cpuStart = null;
const ids = new Set(); // accepted ids whose receipt has not come yet
const early = new Set(); // receipts that came before their submit_sm_resp

function finish() {
  const end = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpuStart);
  const submitS = Number(submitDone - start) / 1e9;
  const allS = Number(end - start) / 1e9;
  process.stdout.write(JSON.stringify({
    messages: N,
    accepted,
    failed,
    receipts,
    submit_s: submitS,
    all_s: allS,
    submit_per_s: Math.round(N / submitS),
    with_receipts_per_s: RECEIPTS ? Math.round(N / allS) : null,
    cpu_s: (cpu.user + cpu.system) / 1e6,
  }) + '\n');
  session.close();
  process.exit(failed ? 1 : 0);
}

function maybeDone() {
  if (accepted + failed === N && !submitDone) submitDone = process.hrtime.bigint();
  if (submitDone && (!RECEIPTS || receipts === accepted)) finish();
}

function onResp(pdu) {
  outstanding -= 1;
  if (pdu.command_status === 0) {
    accepted += 1;
    if (early.has(pdu.message_id)) {
      early.delete(pdu.message_id);
      receipts += 1;
    } else {
      ids.add(pdu.message_id);
    }
  } else {
    failed += 1;
  }
  pump();
  maybeDone();
}

function pump() {
  while (outstanding < W && sent < N) {
    const i = sent++;
    outstanding += 1;
    session.submit_sm({
      source_addr_ton: 5, source_addr_npi: 0, source_addr: 'bote',
      dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: '436641234567',
      registered_delivery: RECEIPTS ? 1 : 0,
      short_message: `load test message ${i}`,
    }, onResp);
  }
}

const RECEIPT_ID = /^id:(\S+)/;
session.on('deliver_sm', (pdu) => {
  session.send(pdu.response());
  const sm = pdu.short_message || {};
  const text = typeof sm.message === 'string' ? sm.message : String(sm.message || '');
  const m = (pdu.esm_class & 0x04) && RECEIPT_ID.exec(text);
  if (!m) return;
  if (ids.delete(m[1])) receipts += 1;
  else early.add(m[1]);
  maybeDone();
});
session.on('error', (e) => {
  console.error(`node_client: ${e.message}`);
  process.exit(1);
});

session.on('connect', () => {
  session.bind_transceiver({ system_id: 'bote', password: 'secret' }, (pdu) => {
    if (pdu.command_status !== 0) {
      console.error(`node_client: bind refused (${pdu.command_status})`);
      process.exit(1);
    }
    cpuStart = process.cpuUsage();
    start = process.hrtime.bigint();
    pump();
  });
});
