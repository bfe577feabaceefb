#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| bote_fuzz_checks::websms::request(data));
