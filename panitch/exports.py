"""What every CSV and XLSX export shares: cells a spreadsheet cannot run as formulas.

Spreadsheet programs treat a cell that starts with =, +, -, @, a tab or a carriage return as a
formula (OWASP's "CSV injection"). Every value that came from a person goes through
`safe_cell` before it is written, in every export.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as written to an export: text that could start a formula gets a leading
    apostrophe, which spreadsheets show as text; numbers, dates and the rest pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(values) -> list:
    return [safe_cell(value) for value in values]
