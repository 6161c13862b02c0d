"""`dbaas datapaths`: prove, from a plan, that every backup and restore path works and no tenant reaches another's data."""
