//! The CSV roster import on any bytes: errors are fine, panics are not.
//! Every row it reads has a line number within the file.
#![no_main]

use attune::services::roster_import::{parse, MAX_ROWS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(parsed) = parse(data) {
        assert!(parsed.rows.len() <= MAX_ROWS);
        let lines = data.iter().filter(|b| **b == b'\n').count() as u64 + 1;
        for row in &parsed.rows {
            assert!(row.line <= lines, "row on line {} of {lines}", row.line);
        }
    }
});
