"""`recorder-py`: the C `recorder` in Python, line for line. Each run
records itself and three words in the granted database, provokes one error
of each kind the `sql` interface names, prints the tables, and logs a
summary."""

from wit_world import exports
from wit_world.imports import log, sql
from componentize_py_types import Err


def execute(statement, params=()):
    """Runs `statement`; prints the error and returns -1 if it fails."""
    try:
        return sql.execute(statement, list(params))
    except Err as e:
        print(f"error {e.value.code.name.lower()}: {e.value.message}")
        return -1


def show(value):
    if isinstance(value, sql.Value_Null):
        return "null"
    if isinstance(value, sql.Value_Integer):
        return str(value.value)
    if isinstance(value, sql.Value_Real):
        return f"{value.value:.2f}"
    if isinstance(value, sql.Value_Text):
        return f"'{value.value}'"
    return f"blob[{len(value.value)}]"


def query(statement):
    """Prints every row of `statement`, one line each: `col=value ...`."""
    try:
        rows = sql.query(statement, [])
    except Err as e:
        print(f"error {e.value.code.name.lower()}: {e.value.message}")
        return -1
    for row in rows.values:
        print(" ".join(f"{c}={show(v)}" for c, v in zip(rows.columns, row)))
    return len(rows.values)


class Run(exports.Run):
    def run(self) -> None:
        # SQL that SQLite and PostgreSQL both take, as the C recorder's.
        execute("CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY)")
        execute(
            "CREATE TABLE IF NOT EXISTS words (word TEXT PRIMARY KEY, count INTEGER NOT NULL, "
            "weight REAL, data BYTEA)"
        )
        n = execute("INSERT INTO runs (id) SELECT COALESCE(MAX(id), 0) + 1 FROM runs")
        print(f"insert run: {n} row")

        for i, word in enumerate(["loom", "wit", "loom"]):
            execute(
                "INSERT INTO words (word, count, weight, data) VALUES (?1, 1, ?2, ?3) "
                "ON CONFLICT (word) DO UPDATE SET count = words.count + 1, weight = ?2",
                [
                    sql.Value_Text(word),
                    sql.Value_Real(0.5 * (i + 1)),
                    sql.Value_Blob(bytes([0xDE, 0xAD, 0xBE, 0xEF])),
                ],
            )

        # One error of each kind; none of them traps.
        execute("INSERT INTO words (word, count) VALUES (?1, NULL)", [sql.Value_Text("orphan")])
        execute("SELEC nonsense")
        execute("INSERT INTO runs (id) VALUES (?1)")

        query("SELECT count(*) AS runs FROM runs")
        n = query("SELECT word, count, weight, data FROM words ORDER BY word")

        log.log(
            log.Level.INFO,
            "recorder",
            "recorded three words",
            [log.Field(key="rows", value=str(n))],
        )
