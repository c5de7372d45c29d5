"""The Defense Industry Development Fund's rules: projects, tranches, loans and their figures.

Pure Python (contract section 9): no FastAPI, no SQL, no I/O, no clock. Dates and moments are
passed in; money is ``Decimal`` in KZT.
"""
