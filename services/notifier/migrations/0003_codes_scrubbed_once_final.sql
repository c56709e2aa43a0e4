-- A verification code is never kept in clear once its send is final (issue 16). The sender
-- masks it when it records the final outcome; this makes the database refuse any path that
-- forgets (a future one, or the sweeper's give-up before this release), and scrubs what such
-- a path left behind. The pattern is notifier.domain.masking's, in PostgreSQL's regex dialect
-- (tests/integration/test_code_scrubbing.py checks that the two agree).
UPDATE messages
   SET body = regexp_replace(body, '(?<![0-9A-Za-z_])(?<![0-9]\.)[0-9]{6}(?![0-9A-Za-z_])(?!\.[0-9])', '******', 'g')
 WHERE sensitive AND status IN ('delivered', 'failed');

-- contract: 387c06a that release masks a code when it records the final outcome; its one path that did not (the sweeper giving up an expired lease) is what this refuses: an old pod's give-up then fails and the message stays 'sending' until a new pod's sweeper gives it up masked
ALTER TABLE messages ADD CONSTRAINT messages_no_code_once_final CHECK (
    NOT sensitive OR status NOT IN ('delivered', 'failed')
    OR body !~ '(?<![0-9A-Za-z_])(?<![0-9]\.)[0-9]{6}(?![0-9A-Za-z_])(?!\.[0-9])');
