-- Groups: a member's access can be held (their seat kept, their role taken back) while another
-- feature waits for them, e.g. to accept a new version of the confidentiality agreement after
-- its grace period. Start-up reconciliation does not give the role back while access is held.
ALTER TABLE group_members ADD COLUMN access_held_at INTEGER;  -- NULL: the member has access
