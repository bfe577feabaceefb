//! Replays every input kept in `fuzz/regressions/<target>/` (cases the fuzzer found, and
//! hand-made edge cases) through its target's check, so each stays fixed.

use std::path::Path;

#[test]
fn every_kept_case_passes_its_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions");
    for (target, check) in bote_fuzz_checks::TARGETS {
        let dir = root.join(target);
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e} (every target keeps its cases)", dir.display()));
        let mut replayed = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{target}: {} fails", path.display());
            replayed += 1;
        }
        assert!(replayed > 0, "{target} keeps no case in {}", dir.display());
    }
}
