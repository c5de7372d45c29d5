-- Each service owns its database (no service reads another's tables).
CREATE DATABASE sdo_orders;
CREATE DATABASE sdo_suppliers;
CREATE DATABASE sdo_quality;
CREATE DATABASE sdo_fund;
