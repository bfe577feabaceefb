// A small SMSC for bote's SMPP client tests.
//
// Usage: node smsc.js [port]        (port 0 or none: a free port)
// Prints the port it listens on as the first line of stdout.
//
// Behaviour, from the environment:
//   SMSC_SYSTEM_ID / SMSC_PASSWORD  credentials binds must give (default bote / secret)
//   SMSC_ID_FORMAT      dec | hex: how message ids are written (default dec)
//   SMSC_RECEIPTS       text | tlv | both | none (default text)
//   SMSC_RECEIPT_DELAY_MS  delay before a receipt is sent (default 0)
//   SMSC_RECEIPT_FIRST  1: send the receipt before the submit_sm_resp
//   SMSC_THROTTLE_SHARE 0..1: share of submits answered ESME_RTHROTTLED
//   SMSC_THROTTLE_STATUS  status used for throttling (default 0x58 ESME_RTHROTTLED)
//   SMSC_REJECT_DEST    submits to this destination get ESME_RINVDSTADR
//   SMSC_IGNORE         comma list of commands never answered (submit_sm, enquire_link)
//   SMSC_DROP_AFTER     N: drop the connection (once) on the N-th submit, unanswered
//   SMSC_TLS_KEY / SMSC_TLS_CERT  PEM files: listen with TLS
//   SMSC_RECORD         path of a JSONL file: every accepted submit (with the number of
//                       the connection that sent it, `bind`, and the time, `at` ms),
//                       every deliver_sm_resp status and every unbind is appended there
//
// Commands, one JSON object a line on stdin:
//   {"cmd":"mo","from":"4366412345","to":"43828","text":"Hi","encoding":"gsm7|ucs2",
//    "parts":1,"concat":"udh|sar"}   sends an MO deliver_sm (in `parts` parts)
//   {"cmd":"drop"}                   drops every connection
//   {"cmd":"unbind"} / {"cmd":"enquire_link"} / {"cmd":"query_sm"}
//                                    sends that request on every bound session and
//                                    records the answer ({"kind":"answer",...})
// A deliver_sm answered with a non-zero status is sent again (up to 3 times). Receipts
// are stored and forwarded as an SMSC does: one that finds no bound receiver, or whose
// session closes before it is answered, is kept and sent on the next bind.
'use strict';

const fs = require('fs');
const readline = require('readline');
const smpp = require('smpp');

const env = process.env;
const SYSTEM_ID = env.SMSC_SYSTEM_ID || 'bote';
const PASSWORD = env.SMSC_PASSWORD || 'secret';
const ID_HEX = env.SMSC_ID_FORMAT === 'hex';
const RECEIPTS = env.SMSC_RECEIPTS || 'text';
const RECEIPT_DELAY = Number(env.SMSC_RECEIPT_DELAY_MS || 0);
const RECEIPT_FIRST = env.SMSC_RECEIPT_FIRST === '1';
const THROTTLE_SHARE = Number(env.SMSC_THROTTLE_SHARE || 0);
const THROTTLE_STATUS = Number(env.SMSC_THROTTLE_STATUS || smpp.ESME_RTHROTTLED);
const REJECT_DEST = env.SMSC_REJECT_DEST;
const IGNORE = (env.SMSC_IGNORE || '').split(',');
let dropAfter = Number(env.SMSC_DROP_AFTER || 0);
const RECORD = env.SMSC_RECORD;

let nextId = 1000;
let submits = 0;
let throttleAcc = 0;
const bound = new Set(); // sessions that may receive deliver_sm
const keptReceipts = []; // receipts' fields waiting for a receiver to bind

function binaryHex(sm) {
  const udh = sm.udh || [];
  const header = udh.length
    ? [Buffer.from([udh.reduce((n, b) => n + b.length, 0)]), ...udh]
    : [];
  return Buffer.concat([...header, sm.message]).toString('hex');
}

function record(obj) {
  if (RECORD) fs.appendFileSync(RECORD, JSON.stringify(obj) + '\n');
}

function pad2(n) {
  return String(n).padStart(2, '0');
}

function smppDate(d) {
  return pad2(d.getUTCFullYear() % 100) + pad2(d.getUTCMonth() + 1) + pad2(d.getUTCDate()) +
    pad2(d.getUTCHours()) + pad2(d.getUTCMinutes()) + pad2(d.getUTCSeconds());
}

// Sends a deliver_sm; resends while the client answers with an error status.
function deliver(session, fields, kind, attempt = 1) {
  const entry = { fields, kind };
  session.unanswered = session.unanswered || new Set();
  session.unanswered.add(entry);
  session.deliver_sm(Object.assign({}, fields), (resp) => {
    session.unanswered.delete(entry);
    record({ kind: 'deliver_resp', what: kind, status: resp.command_status, attempt });
    if (resp.command_status !== 0 && attempt < 3) {
      setTimeout(() => deliver(session, fields, kind, attempt + 1), 100);
    }
  });
}

function sendReceipt(session, pdu, id, when) {
  const text = `id:${id} sub:001 dlvrd:001 submit date:${smppDate(when)} ` +
    `done date:${smppDate(new Date())} stat:DELIVRD err:000 text:`;
  const fields = {
    source_addr_ton: pdu.dest_addr_ton, source_addr_npi: pdu.dest_addr_npi,
    source_addr: pdu.destination_addr,
    dest_addr_ton: pdu.source_addr_ton, dest_addr_npi: pdu.source_addr_npi,
    destination_addr: pdu.source_addr,
    esm_class: 0x04, data_coding: 0,
    short_message: RECEIPTS === 'tlv' ? Buffer.alloc(0) : Buffer.from(text),
  };
  if (RECEIPTS === 'tlv' || RECEIPTS === 'both') {
    fields.receipted_message_id = id;
    fields.message_state = 2;
  }
  if (session) deliver(session, fields, 'receipt'); else keptReceipts.push(fields);
}

// A session that ends leaves its unanswered receipts to the next receiver.
function lost(session) {
  bound.delete(session);
  for (const e of session.unanswered || []) if (e.kind === 'receipt') keptReceipts.push(e.fields);
  session.unanswered = new Set();
}

function onSubmit(session, pdu) {
  submits += 1;
  if (IGNORE.includes('submit_sm')) return;
  if (REJECT_DEST && pdu.destination_addr === REJECT_DEST) {
    session.send(pdu.response({ command_status: smpp.ESME_RINVDSTADR }));
    return;
  }
  if (dropAfter && submits === dropAfter) {
    dropAfter = 0;
    session.destroy();
    return;
  }
  throttleAcc += THROTTLE_SHARE;
  if (throttleAcc >= 1) {
    throttleAcc -= 1;
    session.send(pdu.response({ command_status: THROTTLE_STATUS }));
    return;
  }
  const n = nextId++;
  const id = ID_HEX ? n.toString(16).toUpperCase() : String(n);
  const sm = pdu.short_message || {};
  record({
    kind: 'submit', id,
    // Which bind took it (several clients may share the SMSC) and when, in ms.
    bind: session.boteBind, at: Date.now(),
    source: { ton: pdu.source_addr_ton, npi: pdu.source_addr_npi, addr: pdu.source_addr },
    dest: { ton: pdu.dest_addr_ton, npi: pdu.dest_addr_npi, addr: pdu.destination_addr },
    esm_class: pdu.esm_class, data_coding: pdu.data_coding,
    registered_delivery: pdu.registered_delivery, validity: pdu.validity_period,
    priority: pdu.priority_flag,
    text: typeof sm.message === 'string' ? sm.message : null,
    udh: (sm.udh || []).map((b) => b.toString('hex')),
    // Undecoded (8-bit) data: the whole short_message in hex, UDH included.
    bytes: Buffer.isBuffer(sm.message) ? binaryHex(sm) : null,
    sar: pdu.sar_msg_ref_num !== undefined
      ? { ref: pdu.sar_msg_ref_num, total: pdu.sar_total_segments, seq: pdu.sar_segment_seqnum }
      : null,
  });
  const when = new Date();
  const receipt = () => {
    if (RECEIPTS === 'none' || !(pdu.registered_delivery & 1)) return;
    // A transmitter cannot take deliver_sm: use a receiver of the same client then.
    const target = bound.has(session) ? session : Array.from(bound).pop();
    sendReceipt(target, pdu, id, when);
  };
  if (RECEIPT_FIRST) {
    receipt();
    setTimeout(() => session.send(pdu.response({ message_id: id })), 50);
  } else {
    session.send(pdu.response({ message_id: id }));
    if (RECEIPT_DELAY > 0) setTimeout(receipt, RECEIPT_DELAY); else receipt();
  }
}

const tlsOptions = env.SMSC_TLS_KEY
  ? { key: fs.readFileSync(env.SMSC_TLS_KEY), cert: fs.readFileSync(env.SMSC_TLS_CERT) }
  : {};
let binds = 0;
const server = smpp.createServer(tlsOptions, (session) => {
  session.boteBind = ++binds;
  const onBind = (canReceive) => (pdu) => {
    if (pdu.system_id !== SYSTEM_ID || pdu.password !== PASSWORD) {
      session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
      session.close();
      return;
    }
    session.send(pdu.response({ system_id: 'testsmsc' }));
    if (canReceive) {
      bound.add(session);
      for (const fields of keptReceipts.splice(0)) deliver(session, fields, 'receipt');
    }
  };
  session.on('bind_transceiver', onBind(true));
  session.on('bind_receiver', onBind(true));
  session.on('bind_transmitter', onBind(false));
  session.on('submit_sm', (pdu) => onSubmit(session, pdu));
  session.on('enquire_link', (pdu) => {
    if (!IGNORE.includes('enquire_link')) session.send(pdu.response());
  });
  session.on('unbind', (pdu) => {
    record({ kind: 'unbind' });
    session.send(pdu.response());
    lost(session);
    session.close();
  });
  session.on('close', () => lost(session));
  session.on('error', () => lost(session));
});

function splitText(text, parts) {
  const chars = Array.from(text);
  const size = Math.ceil(chars.length / parts);
  const out = [];
  for (let i = 0; i < parts; i++) out.push(chars.slice(i * size, (i + 1) * size).join(''));
  return out;
}

let moRef = 1;
function sendMo(cmd) {
  const session = Array.from(bound).pop();
  if (!session) {
    process.stdout.write(JSON.stringify({ event: 'error', reason: 'no bound receiver' }) + '\n');
    return;
  }
  const ucs2 = cmd.encoding === 'ucs2';
  const parts = splitText(cmd.text, cmd.parts || 1);
  const ref = moRef++ & 0xff;
  parts.forEach((chunk, i) => {
    const body = ucs2 ? smpp.encodings.UCS2.encode(chunk) : smpp.encodings.ASCII.encode(chunk);
    const fields = {
      source_addr_ton: 1, source_addr_npi: 1, source_addr: cmd.from,
      dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: cmd.to,
      esm_class: 0, data_coding: ucs2 ? 8 : 0,
      short_message: body,
    };
    if (parts.length > 1 && cmd.concat === 'sar') {
      fields.sar_msg_ref_num = ref;
      fields.sar_total_segments = parts.length;
      fields.sar_segment_seqnum = i + 1;
    } else if (parts.length > 1) {
      fields.esm_class = 0x40;
      fields.short_message = Buffer.concat([Buffer.from([5, 0, 3, ref, parts.length, i + 1]), body]);
    }
    deliver(session, fields, 'mo');
  });
}

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (!line.trim()) return;
  const cmd = JSON.parse(line);
  if (cmd.cmd === 'mo') sendMo(cmd);
  else if (cmd.cmd === 'drop') server.sessions.slice().forEach((s) => s.destroy());
  else if (['unbind', 'enquire_link', 'query_sm'].includes(cmd.cmd)) {
    const fields = cmd.cmd === 'query_sm' ? { message_id: '1', source_addr: 'x' } : {};
    Array.from(bound).forEach((s) => s[cmd.cmd](fields, (resp) => {
      record({ kind: 'answer', to: cmd.cmd, command: resp.command, status: resp.command_status });
    }));
  }
});
process.stdin.on('end', () => process.exit(0));

const port = Number(process.argv[2] || env.SMSC_PORT || 0);
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(server.address().port + '\n');
});
