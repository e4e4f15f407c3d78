-- The three Bitrix settings tables and its event log as Bitrix's MySQL
-- schema declares them, written
-- for SQLite (types kept as declared; SQLite maps them to its affinities),
-- with one extra column each, as a site may have. Then rows the way a
-- Bitrix site holds the video-conferencing modules' settings and rights.

CREATE TABLE b_option (
    MODULE_ID VARCHAR(50) NOT NULL,
    NAME VARCHAR(100) NOT NULL,
    VALUE MEDIUMTEXT NULL,
    DESCRIPTION VARCHAR(255) NULL,
    SITE_ID CHAR(2) NULL,
    TIMESTAMP_X DATETIME NULL,
    PRIMARY KEY (MODULE_ID, NAME)
);

CREATE TABLE b_option_site (
    MODULE_ID VARCHAR(50) NOT NULL,
    NAME VARCHAR(50) NOT NULL,
    SITE_ID CHAR(2) NOT NULL,
    VALUE MEDIUMTEXT NULL,
    PRIMARY KEY (MODULE_ID, NAME, SITE_ID)
);

CREATE TABLE b_module_group (
    ID INTEGER PRIMARY KEY AUTOINCREMENT,
    MODULE_ID VARCHAR(50) NOT NULL,
    GROUP_ID INT(11) NOT NULL,
    G_ACCESS VARCHAR(255) NOT NULL,
    SITE_ID CHAR(2) NULL,
    EXTERNAL_NOTE VARCHAR(255) NULL,
    UNIQUE (MODULE_ID, GROUP_ID, SITE_ID)
);

-- Bitrix's event log (TIMESTAMP_X without a default, as a MySQL
-- `timestamp` column may be: the store writes the time itself).
CREATE TABLE b_event_log (
    ID INTEGER PRIMARY KEY AUTOINCREMENT,
    TIMESTAMP_X TIMESTAMP NULL,
    SEVERITY VARCHAR(50) NOT NULL,
    AUDIT_TYPE_ID VARCHAR(50) NOT NULL,
    MODULE_ID VARCHAR(50) NOT NULL,
    ITEM_ID VARCHAR(255) NOT NULL,
    REMOTE_ADDR VARCHAR(40) NULL,
    USER_AGENT TEXT NULL,
    REQUEST_URI TEXT NULL,
    SITE_ID CHAR(2) NULL,
    USER_ID INT(18) NULL,
    GUEST_ID INT(18) NULL,
    DESCRIPTION MEDIUMTEXT NULL
);
CREATE INDEX ix_b_event_log_time ON b_event_log (TIMESTAMP_X);

-- VideoPort's settings tab (module videoport).
INSERT INTO b_option (MODULE_ID, NAME, VALUE, DESCRIPTION, SITE_ID) VALUES
    ('videoport', 'ServerHost', 'vcs.example.com', NULL, NULL),
    ('videoport', 'ServerPort', '8443', NULL, NULL),
    ('videoport', 'SecretCode', 'guest-key-42', 'VCS Manager guest key', NULL),
    ('videoport', 'window_main', 'Y', NULL, NULL),
    ('videoport', 'window_chat', 'N', NULL, NULL),
    ('videoport', 'window_members', 'Y', NULL, NULL),
    ('videoport', 'window_settings', 'Y', NULL, NULL),
    ('videoport', 'window_info', 'Y', NULL, NULL),
    ('videoport', 'window_self_camera', 'N', NULL, NULL),
    ('videoport', 'window_show_invite', 'Y', NULL, NULL),
    -- Another module's option, as every Bitrix database has many.
    ('main', 'site_name', 'Example portal', NULL, NULL),
    -- The video module's Access tab: default level.
    ('video', 'GROUP_DEFAULT_RIGHT', 'R', NULL, NULL);

INSERT INTO b_option_site (MODULE_ID, NAME, SITE_ID, VALUE) VALUES
    ('videoport', 'ServerHost', 's1', 'vcs-s1.example.com'),
    ('video', 'GROUP_DEFAULT_RIGHT', 's2', 'D');

-- The video module's Access tab: per-group levels.
INSERT INTO b_module_group (ID, MODULE_ID, GROUP_ID, G_ACCESS, SITE_ID) VALUES
    (1, 'video', 1, 'W', NULL),
    (2, 'video', 5, 'R', NULL),
    (3, 'video', 6, 'D', NULL),
    (4, 'video', 5, 'W', 's1'),
    (5, 'main', 3, 'W', NULL);
