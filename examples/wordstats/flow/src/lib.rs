//! The flow of wordstats, in Rust: a command that reads text files, has
//! the C kernel count their words, keeps the counts in the host's SQLite
//! database (so totals grow run after run), has the Python analyst say how
//! readable the texts are, and has the Go formatter draw the report. Rust
//! suits the part that owns errors, SQL and the order of
//! things.
//!
//! Usage: `wordstats [--top N] [--all] FILE...` (the files must be in a
//! directory the host granted, e.g. `witloom run --dir texts::/texts`).
//! The report leaves out common English words (a `stopwords` table the
//! flow keeps in the database) unless `--all` is given.

wit_bindgen::generate!({
    world: "flow",
    path: "../wit",
    generate_all,
});

use witloom::host::log::{self, Field, Level};
use witloom::host::sql::{self, Value};
use witloom_examples::wordstats::analysis;
use witloom_examples::wordstats::report::{self, Row};
use witloom_examples::wordstats::tokenizer;

/// How many words the report shows unless `--top` says otherwise.
const DEFAULT_TOP: usize = 12;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS runs (
        id INTEGER PRIMARY KEY,
        files INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        words INTEGER NOT NULL,
        sentences INTEGER NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS words (
        word TEXT PRIMARY KEY,
        total INTEGER NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS stopwords (word TEXT PRIMARY KEY)",
    "CREATE TABLE IF NOT EXISTS run_words (
        run INTEGER NOT NULL REFERENCES runs(id),
        word TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (run, word)
    )",
];

/// Words too common to say anything about a text; seeded into the
/// `stopwords` table, where a user may add their own.
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "because", "but", "by", "does", "for", "from",
    "had", "has", "have", "he", "her", "his", "how", "i", "if", "in", "into", "is", "it", "its",
    "like", "more", "no", "not", "of", "on", "or", "our", "rather", "she", "so", "than",
    "that", "the", "their", "them", "then", "there", "they", "this", "through", "to", "was",
    "we", "were", "what", "when", "where", "which", "who", "will", "with", "yet", "you",
];

/// What the command line asked for.
struct Args {
    top: usize,
    all: bool,
    files: Vec<String>,
}

struct Component;

impl exports::wasi::cli::run::Guest for Component {
    fn run() -> Result<(), ()> {
        match main() {
            Ok(()) => Ok(()),
            Err(e) => {
                eprintln!("wordstats: {e}");
                Err(())
            }
        }
    }
}

export!(Component);

fn main() -> Result<(), String> {
    let Args { top, all, files } = parse_args(std::env::args().skip(1))?;

    // The C kernel does the counting, file by file.
    let mut counts: Vec<(String, u64)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let (mut bytes, mut words, mut sentences) = (0u64, 0u64, 0u64);
    let mut texts = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|e| {
            format!("cannot read `{file}`: {e} (is its directory granted with --dir?)")
        })?;
        texts.push(text);
        let text = texts.last().expect("just pushed");
        let stats = tokenizer::stats(&text);
        bytes += stats.bytes;
        words += stats.words;
        sentences += u64::from(stats.sentences);
        for wc in tokenizer::count_words(&text) {
            let i = *index.entry(wc.word.clone()).or_insert_with(|| {
                counts.push((wc.word, 0));
                counts.len() - 1
            });
            counts[i].1 += u64::from(wc.count);
        }
        info("counted a file", &[("file", file.clone()), ("words", stats.words.to_string())]);
    }
    // The Python analyst reads all of it as one text.
    let readability = analysis::score(&texts.join("\n\n"));

    // The counts go into SQL in one transaction.
    for statement in SCHEMA {
        execute(statement, vec![])?;
    }
    execute("BEGIN", vec![])?;
    for word in STOPWORDS {
        execute(
            "INSERT OR IGNORE INTO stopwords (word) VALUES (?)",
            vec![Value::Text(word.to_string())],
        )?;
    }
    let run = execute_then_id(
        "INSERT INTO runs (files, bytes, words, sentences) VALUES (?, ?, ?, ?)",
        vec![int(files.len() as u64), int(bytes), int(words), int(sentences)],
    )?;
    for (word, count) in &counts {
        execute(
            "INSERT INTO words (word, total) VALUES (?1, ?2)
             ON CONFLICT (word) DO UPDATE SET total = words.total + ?2",
            vec![Value::Text(word.clone()), int(*count)],
        )?;
        execute(
            "INSERT INTO run_words (run, word, count) VALUES (?, ?, ?)",
            vec![Value::Integer(run), Value::Text(word.clone()), int(*count)],
        )?;
    }
    execute("COMMIT", vec![])?;

    // The report reads back from SQL: this run's top words with their
    // totals over every run, and how many runs there have been.
    let rows = query(
        "SELECT rw.word, rw.count, w.total FROM run_words rw JOIN words w ON w.word = rw.word
         WHERE rw.run = ?1 AND (?2 OR rw.word NOT IN (SELECT word FROM stopwords))
         ORDER BY rw.count DESC, rw.word LIMIT ?3",
        vec![Value::Integer(run), Value::Integer(all.into()), int(top as u64)],
    )?;
    let rows: Vec<Row> = rows
        .values
        .iter()
        .map(|r| match r.as_slice() {
            [Value::Text(word), Value::Integer(count), Value::Integer(total)] => Ok(Row {
                word: word.clone(),
                count: *count as u64,
                total: *total as u64,
            }),
            other => Err(format!("unexpected row from the database: {other:?}")),
        })
        .collect::<Result<_, _>>()?;
    let runs = scalar("SELECT count(*) FROM runs", vec![])?;
    let distinct = scalar("SELECT count(*) FROM words", vec![])?;
    let title = format!(
        "wordstats run {runs}: {} file(s), {bytes} bytes, {words} words, {sentences} sentences, {} distinct; {distinct} distinct over all runs\nreadability: Flesch reading ease {:.1}, grade {:.1} ({:.2} syllables a word){}",
        files.len(),
        counts.len(),
        readability.flesch,
        readability.grade,
        readability.syllables_per_word,
        if all { "" } else { "\n(common words left out; --all shows them)" },
    );
    // The Go formatter draws it.
    print!("{}", report::render(&title, &rows));
    info(
        "stored a run",
        &[("run", runs.to_string()), ("distinct", counts.len().to_string())],
    );
    Ok(())
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let usage = "usage: wordstats [--top N] [--all] FILE...";
    let mut top = DEFAULT_TOP;
    let mut all = false;
    let mut files = Vec::new();
    while let Some(arg) = args.next() {
        if arg == "--all" {
            all = true;
        } else if arg == "--top" {
            let n = args.next().ok_or(usage)?;
            top = n
                .parse()
                .map_err(|_| format!("--top wants a number, not `{n}`; {usage}"))?;
        } else if arg.starts_with("--") {
            return Err(format!("unknown option `{arg}`; {usage}"));
        } else {
            files.push(arg);
        }
    }
    if files.is_empty() {
        return Err(format!("no files given; {usage}"));
    }
    Ok(Args { top, all, files })
}

fn int(n: u64) -> Value {
    Value::Integer(i64::try_from(n).unwrap_or(i64::MAX))
}

fn sql_error(statement: &str, e: sql::Error) -> String {
    let first = statement.split_whitespace().take(4).collect::<Vec<_>>().join(" ");
    format!("SQL failed ({:?}) in `{first} …`: {}", e.code, e.message)
}

fn execute(statement: &str, params: Vec<Value>) -> Result<u64, String> {
    sql::execute(statement, &params).map_err(|e| sql_error(statement, e))
}

fn query(statement: &str, params: Vec<Value>) -> Result<sql::Rows, String> {
    sql::query(statement, &params).map_err(|e| sql_error(statement, e))
}

fn execute_then_id(statement: &str, params: Vec<Value>) -> Result<i64, String> {
    execute(statement, params)?;
    match scalar("SELECT last_insert_rowid()", vec![])? {
        id @ 1.. => Ok(id),
        _ => Err("the database gave no id for the new run".into()),
    }
}

fn scalar(statement: &str, params: Vec<Value>) -> Result<i64, String> {
    match query(statement, params)?.values.first().map(Vec::as_slice) {
        Some([Value::Integer(n)]) => Ok(*n),
        other => Err(format!("`{statement}` gave {other:?}, not one number")),
    }
}

fn info(message: &str, fields: &[(&str, String)]) {
    let fields: Vec<Field> = fields
        .iter()
        .map(|(k, v)| Field {
            key: k.to_string(),
            value: v.clone(),
        })
        .collect();
    log::log(Level::Info, "wordstats", message, &fields);
}
