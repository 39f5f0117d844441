"""Tables in and out: the snapshot, typed columns, safe CSV/XLSX, ids and export headers."""
