DROP VIEW dbaas.service_backup_status;
DROP TABLE dbaas.backups;
DROP TABLE dbaas.services;
DROP FUNCTION dbaas.touch_api_key(uuid);
DROP TABLE dbaas.api_keys;
DROP TABLE dbaas.users;
