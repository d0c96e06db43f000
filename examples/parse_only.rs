//! The benchmark's floor: read every record of a CSV with the csv crate and
//! nothing else. `cargo run --release --example parse_only -- big.csv`
fn main() {
    let path = std::env::args().nth(1).expect("a CSV path");
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(&path).expect("readable CSV");
    let mut record = csv::StringRecord::new();
    let (mut rows, mut cells) = (0u64, 0u64);
    while reader.read_record(&mut record).expect("valid CSV") {
        rows += 1;
        cells += record.len() as u64;
    }
    eprintln!("{rows} records, {cells} cells");
}
