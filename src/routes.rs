//! The single route table. `ROUTES` lists every route it registers, so the
//! access-matrix test can insist that each one is covered.

use actix_web::web;

use crate::handlers::{
    absence, admin, assets, auth, cohorts, dashboard, emails, group_message, health, links,
    meetings, parent_access, participant, print, public, reflections, roster, roster_import, rsvp,
    support, tonight, unsubscribe, waitlist,
};
use crate::handlers::{contact, sms};

macro_rules! route_table {
    ($( $method:ident $path:literal => $handler:path; )*) => {
        /// (method, path pattern) of every route, in registration order.
        pub const ROUTES: &[(&str, &str)] = &[ $( (stringify!($method), $path) ),* ];

        pub fn configure(cfg: &mut web::ServiceConfig) {
            $( cfg.route($path, web::$method().to($handler)); )*
        }
    };
}

route_table! {
    // Anyone
    get "/" => public::show_home;
    get "/healthz" => health::show_health;
    get "/assets/{file}" => assets::show_asset;
    get "/help" => support::show_help;
    get "/curricula" => public::list_curricula;
    get "/curricula/{slug}" => public::show_curriculum;
    get "/curricula/{slug}/sessions/{number}" => public::show_session_handout;
    get "/curricula/{slug}/sessions/{number}/handout.pdf" => print::curriculum_handout;
    get "/join/{token}" => links::show_join;
    post "/join/{token}" => links::create_join;
    get "/calendar/{file}" => links::show_calendar;
    get "/login" => auth::show_login;
    post "/login" => auth::create_session;
    get "/login/link" => auth::show_sign_in_link_form;
    post "/login/link" => auth::send_sign_in_link;
    get "/login/link/{token}" => auth::show_sign_in_link;
    post "/login/link/{token}" => auth::use_sign_in_link;
    get "/offer/{token}/accept" => waitlist::show_accept;
    post "/offer/{token}/accept" => waitlist::accept_offer;
    get "/offer/{token}/decline" => waitlist::show_decline;
    post "/offer/{token}/decline" => waitlist::decline_offer;

    // The text gateway (signed webhooks)
    post "/sms/inbound/twilio" => sms::inbound_twilio;
    post "/sms/inbound" => sms::inbound_json;

    // Parents, through their personal link
    get "/u/{token}" => unsubscribe::show_unsubscribe;
    post "/u/{token}" => unsubscribe::create_unsubscribe;
    get "/p/lost" => parent_access::show_lost;
    post "/p/lost" => parent_access::send_link;
    get "/p/code" => parent_access::show_code;
    post "/p/code" => parent_access::send_code;
    post "/p/code/enter" => parent_access::enter_code;
    get "/p/{token}" => participant::open_link;
    get "/me" => participant::show_home;
    post "/me/consent" => participant::give_consent;
    get "/me/sessions/{number}" => participant::show_session;
    get "/me/sessions/{number}/handout.pdf" => print::my_handout;
    post "/me/sessions/{number}/reflection" => participant::save_reflection;
    post "/me/sign-out" => participant::sign_out;
    post "/me/emails" => parent_access::update_emails;
    get "/me/checkin/{phase}" => participant::show_checkin;
    post "/me/checkin/{phase}" => participant::save_checkin;
    get "/me/data" => participant::show_data;
    get "/me/data/export.json" => participant::export_json;
    get "/me/data/export" => participant::export_page;
    post "/me/data/delete" => participant::delete_data;
    post "/me/rsvp" => rsvp::update_my_rsvp;
    get "/r/{token}" => rsvp::show_rsvp;
    post "/r/{token}" => rsvp::create_rsvp;
    get "/me/messages" => contact::show_messages;
    post "/me/messages" => contact::update_messages;
    post "/me/texts/stop" => contact::stop_texts;

    // Signed-in facilitators and admins
    post "/logout" => auth::destroy_session;
    get "/account/password" => auth::edit_password;
    post "/account/password" => auth::update_password;
    get "/dashboard" => dashboard::show_dashboard;
    get "/resume" => auth::show_resume;
    post "/resume/discard" => auth::discard_resume;

    // A cohort's facilitators (and admins)
    get "/cohorts/new" => cohorts::new_cohort;
    post "/cohorts" => cohorts::create_cohort;
    get "/cohorts/{id}" => cohorts::show_cohort;
    get "/cohorts/{id}/guide" => cohorts::show_guide;
    post "/cohorts/{id}/facilitators" => cohorts::add_facilitator;
    post "/cohorts/{id}/facilitators/{user}/remove" => cohorts::remove_facilitator;
    post "/cohorts/{id}/meetings" => meetings::create_makeup;
    get "/cohorts/{id}/meetings/{meeting}" => meetings::show_meeting;
    post "/cohorts/{id}/meetings/{meeting}/attendance" => meetings::update_attendance;
    post "/cohorts/{id}/meetings/{meeting}/fidelity" => meetings::update_fidelity;
    post "/cohorts/{id}/meetings/{meeting}/reschedule" => meetings::reschedule_meeting;
    get "/cohorts/{id}/meetings/{meeting}/cancel" => meetings::confirm_cancel;
    post "/cohorts/{id}/meetings/{meeting}/cancel" => meetings::cancel_meeting;
    post "/cohorts/{id}/meetings/{meeting}/restore" => meetings::restore_meeting;
    post "/cohorts/{id}/meetings/{meeting}/message" => group_message::create_message;
    post "/cohorts/{id}/meetings/{meeting}/message/undo" => group_message::undo_message;
    get "/cohorts/{id}/meetings/{meeting}/handout.pdf" => print::meeting_handout;
    get "/cohorts/{id}/meetings/{meeting}/plan.pdf" => print::meeting_plan;
    get "/cohorts/{id}/meetings/{meeting}/sign-in.pdf" => print::meeting_sign_in;
    get "/cohorts/{id}/meetings/{meeting}/sheet" => tonight::show_sheet;
    get "/cohorts/{id}/meetings/{meeting}/sheet.pdf" => print::meeting_sheet;
    post "/cohorts/{id}/packet" => print::create_packet;
    get "/cohorts/{id}/certificates.pdf" => print::certificates;
    get "/cohorts/{id}/facilitator-packet.pdf" => print::facilitator_packet;
    get "/cohorts/{id}/participants/new" => roster::new_participant;
    post "/cohorts/{id}/participants" => roster::create_participant;
    get "/cohorts/{id}/import" => roster_import::new_import;
    post "/cohorts/{id}/import" => roster_import::upload_import;
    post "/cohorts/{id}/import/{import}/confirm" => roster_import::confirm_import;
    post "/cohorts/{id}/invite" => links::renew_invite;
    post "/cohorts/{id}/invite/off" => links::turn_off_invite;
    post "/cohorts/{id}/calendar" => links::renew_calendar;
    get "/cohorts/{id}/enrolments/{enrolment}" => roster::show_participant;
    post "/cohorts/{id}/enrolments/{enrolment}/withdraw" => roster::withdraw_enrolment;
    post "/cohorts/{id}/enrolments/{enrolment}/readmit" => roster::readmit_enrolment;
    post "/cohorts/{id}/enrolments/{enrolment}/text-consent" => contact::record_paper_consent;
    post "/cohorts/{id}/enrolments/{enrolment}/link" => reflections::make_link;
    get "/cohorts/{id}/enrolments/{enrolment}/link" => reflections::show_link;
    post "/cohorts/{id}/enrolments/{enrolment}/link/email" => reflections::email_link;
    post "/cohorts/{id}/enrolments/{enrolment}/links/revoke" => reflections::revoke_links;
    get "/cohorts/{id}/enrolments/{enrolment}/reflections" => reflections::list_for_parent;
    get "/cohorts/{id}/meetings/{meeting}/reflections" => reflections::list_for_meeting;
    post "/cohorts/{id}/reflections/{reflection}/reply" => reflections::create_reply;
    get "/cohorts/{id}/checkins" => reflections::show_checkin_report;
    get "/cohorts/{id}/emails" => emails::show_emails;
    post "/cohorts/{id}/emails/settings" => emails::update_settings;
    post "/cohorts/{id}/emails/pause" => emails::pause_emails;
    post "/cohorts/{id}/emails/resume" => emails::resume_emails;
    get "/cohorts/{id}/emails/preview/{kind}" => emails::show_preview;
    get "/cohorts/{id}/emails/preview/{kind}/html" => emails::show_preview_html;
    post "/cohorts/{id}/emails/{message}/resend" => emails::resend_message;
    post "/cohorts/{id}/meetings/{meeting}/recap-note" => emails::update_recap_note;
    post "/cohorts/{id}/meetings/{meeting}/enrolments/{enrolment}/caught-up" => absence::update_caught_up;
    post "/cohorts/{id}/enrolments/{enrolment}/called" => absence::create_call_note;
    post "/cohorts/{id}/waitlist/settings" => waitlist::update_places;
    post "/cohorts/{id}/waitlist/{enrolment}/offer" => waitlist::create_offer;

    // Administrators
    get "/admin/users" => admin::list_users;
    post "/admin/users" => admin::create_user;
    post "/admin/users/{user}/reset-password" => admin::reset_password;
    post "/admin/users/{user}/disable" => admin::disable_user;
    post "/admin/users/{user}/enable" => admin::enable_user;
    get "/admin/outbox" => emails::list_outbox;
    post "/admin/outbox/{message}/resend" => emails::admin_resend;
    get "/admin/support" => support::show_support;
    post "/admin/support" => support::add_service;
    post "/admin/support/country" => support::set_country;
    post "/admin/support/{service}/remove" => support::remove_service;
}
