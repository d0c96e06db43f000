//! Reading a csv results file: the header names the fields, each row is
//! one record (one UTF-8 check a row, each cell a slice of it).

use super::{normalise, Input, Reader, Stop};

impl Reader {
    pub(super) fn csv(&mut self, input: Input) -> Result<(), Stop> {
        let mut csv = csv::ReaderBuilder::new().has_headers(true).from_reader(input);
        let headers = match csv.byte_headers() {
            Ok(h) => h.clone(),
            Err(e) => return self.fail(format_args!("line 1: cannot read the header: {e}")),
        };
        let header: Vec<String> =
            headers.iter().map(|h| String::from_utf8_lossy(h).trim_start_matches('\u{feff}').trim().to_string()).collect();
        let Some(id_col) = header.iter().position(|h| h == "id") else {
            return self.fail("line 1: not a results file (no `id` column); expected the json, ndjson or csv output of `ladder evaluate`");
        };
        if !header.iter().any(|h| h == "status") {
            return self
                .fail("line 1: not a results file (no `status` column); expected the json, ndjson or csv output of `ladder evaluate`");
        }
        let mut fields = Vec::with_capacity(header.len());
        for h in &header {
            fields.push(self.field(h)?);
        }
        let is_text: Vec<bool> = fields.iter().map(|&f| self.is_text(f)).collect();
        let mut record = csv::ByteRecord::new();
        loop {
            match csv.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map_or(0, csv::Position::line);
                    return self.fail(format_args!("line {line}: not a results row: {e}"));
                }
            }
            let line = record.position().map_or(0, csv::Position::line);
            if record.iter().all(<[u8]>::is_empty) {
                continue;
            }
            // One UTF-8 check for the whole row; a cell is then a slice of it
            // (cells end at ASCII delimiters, so on character boundaries).
            let Ok(whole) = simdutf8::basic::from_utf8(record.as_slice()) else {
                let bad = record.iter().position(|c| std::str::from_utf8(c).is_err()).unwrap_or(0);
                return self.fail(format_args!("line {line}, column {}: not UTF-8 text", header.get(bad).map_or("", String::as_str)));
            };
            let mut id = "";
            for i in 0..record.len() {
                let cell = record.range(i).and_then(|r| whole.get(r)).unwrap_or("");
                let cell = unprotect(cell);
                if i == id_col {
                    id = cell;
                } else {
                    let field = fields[i];
                    self.encode(field, &normalise(is_text[i], cell));
                }
            }
            self.push(id)?;
        }
        Ok(())
    }
}

/// Undoes the CSV writer's spreadsheet safety (SPEC §6): `'=…` was `=…`.
fn unprotect(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::unprotect;

    #[test]
    fn spreadsheet_safety_is_undone_only_where_the_writer_added_it() {
        assert_eq!(unprotect("'=SUM(A1)"), "=SUM(A1)");
        assert_eq!(unprotect("'plain"), "'plain");
    }
}
