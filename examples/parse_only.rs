//! The benchmark's floors: read every record of a CSV with the csv crate,
//! touch every field, and nothing else.
//!
//! - default: `ByteRecord`, the floor a reader would write (no UTF-8 check);
//! - `--string`: `StringRecord`, which checks each record is UTF-8 (ladder
//!   must check that too, so this one is shown beside it, labelled).
//!
//! `cargo run --release --example parse_only -- [--string] big.csv`
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let string = args.iter().any(|a| a == "--string");
    let path = args.iter().find(|a| *a != "--string").expect("a CSV path");
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(path).expect("readable CSV");
    // Every field is touched (its length and first byte summed), so no read can be skipped.
    let (mut rows, mut cells, mut touched) = (0u64, 0u64, 0u64);
    if string {
        let mut record = csv::StringRecord::new();
        while reader.read_record(&mut record).expect("valid CSV") {
            rows += 1;
            for field in &record {
                cells += 1;
                touched = touched.wrapping_add(field.len() as u64 + u64::from(field.as_bytes().first().copied().unwrap_or(0)));
            }
        }
    } else {
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record).expect("valid CSV") {
            rows += 1;
            for field in &record {
                cells += 1;
                touched = touched.wrapping_add(field.len() as u64 + u64::from(field.first().copied().unwrap_or(0)));
            }
        }
    }
    eprintln!("{rows} records, {cells} cells ({touched})");
}
