"""One module per GAO format; each exposes parse(text, source) -> ParseResult."""
