-- A token may carry a time after which it is refused; tokens made before this have none.
ALTER TABLE access_tokens ADD COLUMN expires_at TIMESTAMPTZ;
