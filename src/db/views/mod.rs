//! Read models: each page's data read by one named query module, into
//! structs with named fields. Services turn these into pages with plain
//! functions (who may see what, what to show next), testable without a
//! database (docs/DESIGN.md, "Where things go").

pub mod catching_up;
pub mod cohort_page;
pub mod dashboard;
pub mod follow_ups;
pub mod personal_data;
pub mod reading;
pub mod text_reach;
pub mod tonight;
pub mod waiting_list;
