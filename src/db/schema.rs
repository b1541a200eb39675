//! The one schema for both backends. Written by hand to match
//! `migrations/{sqlite,postgres}`; only column types both backends share.

diesel::table! {
    app_settings (key) {
        key -> Text,
        value -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        password_hash -> Text,
        is_admin -> Bool,
        disabled_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        is_coordinator -> Bool,
    }
}

diesel::table! {
    web_sessions (id) {
        id -> BigInt,
        token_hash -> Text,
        user_id -> Nullable<BigInt>,
        data -> Text,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        absolute_expires_at -> Timestamp,
        enrolment_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    roster_imports (id) {
        id -> BigInt,
        cohort_id -> BigInt,
        user_id -> BigInt,
        content -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> BigInt,
        key -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    curriculum_versions (id) {
        id -> BigInt,
        slug -> Text,
        version -> Text,
        content_hash -> Text,
        title -> Text,
        session_count -> Integer,
        document -> Text,
        imported_at -> Timestamp,
    }
}

diesel::table! {
    cohorts (id) {
        id -> BigInt,
        curriculum_version_id -> BigInt,
        title -> Text,
        time_zone -> Text,
        location -> Nullable<Text>,
        online_url -> Nullable<Text>,
        capacity -> Nullable<Integer>,
        language -> Text,
        status -> Text,
        follow_ups_paused -> Bool,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        meeting_time -> Text,
        cadence_days -> Integer,
        reflection_editing -> Text,
        send_welcome -> Bool,
        send_reminder -> Bool,
        send_recap -> Bool,
        send_nudge -> Bool,
        reminder_hours_before -> Integer,
        recap_hours_after -> Integer,
        nudge_hours_after -> Integer,
        send_missed_you -> Bool,
        missed_you_at -> Text,
        absence_alert_after -> Integer,
        offer_hours -> Integer,
        phone_country -> Nullable<Text>,
        site_id -> Nullable<BigInt>,
        measures -> Nullable<Text>,
    }
}

diesel::table! {
    cohort_facilitators (cohort_id, user_id) {
        cohort_id -> BigInt,
        user_id -> BigInt,
        role -> Text,
        added_at -> Timestamp,
    }
}

diesel::table! {
    meetings (id) {
        id -> BigInt,
        cohort_id -> BigInt,
        session_number -> Integer,
        starts_at -> Timestamp,
        minutes -> Integer,
        status -> Text,
        is_makeup -> Bool,
        location -> Nullable<Text>,
        facilitator_note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        schedule_note -> Nullable<Text>,
        fidelity_note -> Nullable<Text>,
        recap_note -> Nullable<Text>,
        cancelled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    meeting_segments (meeting_id, segment_index) {
        meeting_id -> BigInt,
        segment_index -> Integer,
        delivered -> Bool,
        recorded_by -> Nullable<BigInt>,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    participants (id) {
        id -> BigInt,
        email -> Nullable<Text>,
        name -> Text,
        preferred_name -> Nullable<Text>,
        phone -> Nullable<Text>,
        erased_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        text_consent_at -> Nullable<Timestamp>,
        text_consent_wording -> Nullable<Text>,
        texts_stopped_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    enrolments (id) {
        id -> BigInt,
        cohort_id -> BigInt,
        participant_id -> BigInt,
        status -> Text,
        source -> Text,
        notes -> Nullable<Text>,
        consent_version -> Nullable<Text>,
        consented_at -> Nullable<Timestamp>,
        unsubscribed_at -> Nullable<Timestamp>,
        enrolled_at -> Timestamp,
        withdrawn_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    attendance (meeting_id, enrolment_id) {
        meeting_id -> BigInt,
        enrolment_id -> BigInt,
        status -> Text,
        recorded_by -> Nullable<BigInt>,
        recorded_at -> Timestamp,
        caught_up_at -> Nullable<Timestamp>,
        caught_up_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    reflections (id) {
        id -> BigInt,
        enrolment_id -> BigInt,
        session_number -> Integer,
        answers -> Text,
        visibility -> Text,
        status -> Text,
        facilitator_reply -> Nullable<Text>,
        replied_by -> Nullable<BigInt>,
        replied_at -> Nullable<Timestamp>,
        submitted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        first_read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    checkins (id) {
        id -> BigInt,
        enrolment_id -> BigInt,
        phase -> Text,
        answers -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    access_tokens (id) {
        id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        enrolment_id -> Nullable<BigInt>,
        cohort_id -> Nullable<BigInt>,
        user_id -> Nullable<BigInt>,
        attempts -> Integer,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
        channel -> Nullable<Text>,
        meeting_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    outbox_messages (id) {
        id -> BigInt,
        kind -> Text,
        dedupe_key -> Text,
        to_address -> Text,
        to_name -> Nullable<Text>,
        subject -> Text,
        text_body -> Text,
        html_body -> Nullable<Text>,
        headers -> Text,
        message_id -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        leased_until -> Nullable<Timestamp>,
        lease_owner -> Nullable<Text>,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        cohort_id -> Nullable<BigInt>,
        enrolment_id -> Nullable<BigInt>,
        meeting_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        channel -> Text,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_kind -> Text,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        subject_kind -> Nullable<Text>,
        subject_id -> Nullable<BigInt>,
        cohort_id -> Nullable<BigInt>,
        ip -> Nullable<Text>,
        detail -> Nullable<Text>,
    }
}

diesel::joinable!(web_sessions -> users (user_id));
diesel::joinable!(cohorts -> curriculum_versions (curriculum_version_id));
diesel::joinable!(cohort_facilitators -> cohorts (cohort_id));
diesel::joinable!(cohort_facilitators -> users (user_id));
diesel::joinable!(meetings -> cohorts (cohort_id));
diesel::joinable!(enrolments -> cohorts (cohort_id));
diesel::joinable!(enrolments -> participants (participant_id));
diesel::joinable!(attendance -> meetings (meeting_id));
diesel::joinable!(meeting_segments -> meetings (meeting_id));
diesel::joinable!(attendance -> enrolments (enrolment_id));
diesel::joinable!(reflections -> enrolments (enrolment_id));
diesel::joinable!(checkins -> enrolments (enrolment_id));

diesel::table! {
    support_services (id) {
        id -> BigInt,
        name -> Text,
        helps_with -> Text,
        phone -> Nullable<Text>,
        text_number -> Nullable<Text>,
        web -> Nullable<Text>,
        hours -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    support_settings (id) {
        id -> BigInt,
        country -> Text,
        emergency_number -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    rsvps (meeting_id, enrolment_id) {
        meeting_id -> BigInt,
        enrolment_id -> BigInt,
        answer -> Text,
        reason -> Nullable<Text>,
        note -> Nullable<Text>,
        via -> Text,
        answered_at -> Timestamp,
    }
}

diesel::table! {
    absence_alerts (id) {
        id -> BigInt,
        cohort_id -> BigInt,
        enrolment_id -> BigInt,
        meeting_id -> BigInt,
        missed_in_row -> Integer,
        created_at -> Timestamp,
        called_note -> Nullable<Text>,
        called_at -> Nullable<Timestamp>,
        called_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    waitlist_offers (id) {
        id -> BigInt,
        cohort_id -> BigInt,
        enrolment_id -> BigInt,
        status -> Text,
        offered_at -> Timestamp,
        expires_at -> Timestamp,
        answered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    contact_preferences (enrolment_id, kind) {
        enrolment_id -> BigInt,
        kind -> Text,
        choice -> Text,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(rsvps -> meetings (meeting_id));
diesel::joinable!(rsvps -> enrolments (enrolment_id));
diesel::table! {
    handout_reads (enrolment_id, session_number) {
        enrolment_id -> BigInt,
        session_number -> Integer,
        first_read_at -> Timestamp,
    }
}

diesel::joinable!(absence_alerts -> enrolments (enrolment_id));
diesel::joinable!(waitlist_offers -> enrolments (enrolment_id));
diesel::joinable!(contact_preferences -> enrolments (enrolment_id));
diesel::joinable!(handout_reads -> enrolments (enrolment_id));

diesel::table! {
    sites (id) {
        id -> BigInt,
        name -> Text,
        address -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    intakes (enrolment_id) {
        enrolment_id -> BigInt,
        children_ages -> Nullable<Text>,
        language -> Nullable<Text>,
        needs -> Text,
        access_note -> Nullable<Text>,
        heard_from -> Nullable<Text>,
        demographics -> Text,
        filled_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    measure_answers (id) {
        id -> BigInt,
        enrolment_id -> BigInt,
        measure -> Text,
        measure_hash -> Text,
        occasion -> Text,
        session_number -> Integer,
        answers -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    certificates (id) {
        id -> BigInt,
        enrolment_id -> BigInt,
        code -> Text,
        sessions_attended -> Integer,
        caught_up -> Integer,
        minutes -> Integer,
        issued_at -> Timestamp,
        issued_by -> Nullable<BigInt>,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<BigInt>,
        revoked_reason -> Nullable<Text>,
    }
}

diesel::joinable!(intakes -> enrolments (enrolment_id));
diesel::joinable!(measure_answers -> enrolments (enrolment_id));
diesel::joinable!(certificates -> enrolments (enrolment_id));
diesel::joinable!(cohorts -> sites (site_id));

diesel::allow_tables_to_appear_in_same_query!(
    app_settings,
    users,
    web_sessions,
    login_attempts,
    roster_imports,
    curriculum_versions,
    cohorts,
    cohort_facilitators,
    meetings,
    meeting_segments,
    participants,
    enrolments,
    attendance,
    reflections,
    checkins,
    access_tokens,
    outbox_messages,
    audit_log,
    support_services,
    support_settings,
    rsvps,
    absence_alerts,
    waitlist_offers,
    contact_preferences,
    handout_reads,
    sites,
    intakes,
    measure_answers,
    certificates,
);
