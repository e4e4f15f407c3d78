-- The three Bitrix settings tables exactly as Bitrix's MySQL install script
-- (main/install/mysql/install.sql) declares them, in a database whose
-- default collation is utf8mb4_general_ci, with one extra column each, as
-- a site may have; and Bitrix's event log as declared there. Then rows the
-- way a Bitrix site holds the video-conferencing modules' settings and
-- rights.

CREATE TABLE b_option
(
	MODULE_ID VARCHAR(50) not null,
	NAME VARCHAR(100) not null,
	VALUE MEDIUMTEXT,
	DESCRIPTION VARCHAR(255),
	SITE_ID CHAR(2),
	TIMESTAMP_X DATETIME NULL,
	PRIMARY KEY(MODULE_ID, NAME),
	INDEX ix_option_name(NAME)
);

CREATE TABLE b_option_site
(
	MODULE_ID VARCHAR(50) not null,
	NAME VARCHAR(100) not null,
	SITE_ID CHAR(2) not null,
	VALUE MEDIUMTEXT,
	PRIMARY KEY(MODULE_ID, NAME, SITE_ID),
	INDEX ix_option_site_module_site(MODULE_ID, SITE_ID)
);

CREATE TABLE b_module_group
(
	ID int not null auto_increment,
	MODULE_ID varchar(50) not null,
	GROUP_ID int not null,
	G_ACCESS varchar(255) not null,
	SITE_ID char(2),
	EXTERNAL_NOTE varchar(255) NULL,
	PRIMARY KEY (ID),
	UNIQUE UK_GROUP_MODULE(MODULE_ID, GROUP_ID, SITE_ID)
);

-- Bitrix's event log. Its TIMESTAMP_X has no default where the server
-- declares timestamps explicitly (explicit_defaults_for_timestamp, the
-- default of MySQL 8 and MariaDB 10.10+): the store writes the time itself.
CREATE TABLE b_event_log
(
	ID INT(18) not null auto_increment,
	TIMESTAMP_X timestamp,
	SEVERITY VARCHAR(50) not null,
	AUDIT_TYPE_ID VARCHAR(50) not null,
	MODULE_ID VARCHAR(50) not null,
	ITEM_ID VARCHAR(255) not null,
	REMOTE_ADDR VARCHAR(40),
	USER_AGENT TEXT,
	REQUEST_URI TEXT,
	SITE_ID CHAR(2),
	USER_ID INT(18),
	GUEST_ID INT(18),
	DESCRIPTION MEDIUMTEXT,
	PRIMARY KEY (ID),
	INDEX ix_b_event_log_time(TIMESTAMP_X),
	INDEX ix_b_event_log_audit_type_time(AUDIT_TYPE_ID, TIMESTAMP_X)
);

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
