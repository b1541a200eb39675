// Migrations, templates and curricula are embedded in the binary: rebuild
// when any of them changes (including new files).
fn main() {
    for dir in ["migrations", "templates", "curricula"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
