//! Golden text of `witloom new`'s skeletons for the cross-language suite's
//! `test` world (`BLESS=1` re-blesses). That they build is tested by the
//! CLI's `new` tests.

use std::path::Path;
use witloom_guest::Language;
use witloom_guest::scaffold::skeleton;
use witloom_ir::LoadOptions;

#[test]
fn skeletons_of_the_test_world() {
    let wit = witloom_ir::load(Path::new("tests/runtime/wit"), &LoadOptions::default()).unwrap();
    let world = wit.wit_parser_world(wit.select_world(Some("test")).unwrap());
    for language in Language::ALL {
        let files = skeleton(&wit, world, "demo", language, "test", "../wit").unwrap();
        let mut all = String::new();
        for (path, contents) in files {
            all.push_str(&format!("==> {}\n{contents}", path.display()));
        }
        witloom_testkit::assert_golden(Path::new(&format!("tests/scaffold/{language}.txt")), &all);
    }
}
