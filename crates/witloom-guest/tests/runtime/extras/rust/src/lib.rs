//! The `extra` world in Rust: one interface imported under two names,
//! and a resource the world declares itself, implemented by the host.

wit_bindgen::generate!({ world: "extra", path: "../../wit" });

struct Extras;

impl exports::witloom::test::extras::Guest for Extras {
    fn journal_twice(entry: String) -> u32 {
        primary::append(&entry);
        backup::append(&entry)
    }
    fn use_ticket(label: String, punches: u32) -> (String, u32) {
        // Dropped (and the host told) at the end.
        let ticket = Ticket::new(&label);
        let mut count = 0;
        for _ in 0..punches {
            count = ticket.punch();
        }
        (ticket.label(), count)
    }
}

export!(Extras);
