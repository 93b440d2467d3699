"""The management report (C9): HTML, XLSX and Markdown from the state store, in bokmål or English."""
