DROP TABLE support_settings;
DROP TABLE support_services;
