INSERT INTO regions (id, name) VALUES ('city', 'Default city') ON CONFLICT DO NOTHING;
