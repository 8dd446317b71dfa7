// Every error the app shows is a sentence a person understands: built from the HTTP status
// and the server's reason id (the `error` field of tenantgate's JSON errors), never raw JSON.

const BY_REASON = {
  invalid_credentials: 'The email or password is not correct.',
  tenant_mismatch: 'This session belongs to another company. Sign in at this company\'s address.',
  tenant_inactive: 'This company\'s account is not active.',
  unknown_tenant: 'No company at this address.',
  admin_only: 'Only an administrator of this company can do this.',
  permission_denied: 'You are not allowed to do this.',
  function_permission_denied: 'You are not allowed to do this.',
  user_exists: 'A user with this email address exists already.',
  unknown_user: 'That user does not exist (any more).',
  invalid_email: 'That is not a valid email address.',
  password_too_short: 'The password is too short.',
  password_too_long: 'The password is too long.',
  signup_disabled: 'Sign-up is not open for this company.',
  token_expired: 'Your session has expired. Please sign in again.',
  token_revoked: 'Your session has ended. Please sign in again.',
  unknown_column: 'The table has no such column.',
  invalid_filter: 'The filter is not valid.',
  throttle_table_full: 'Too many sign-in attempts right now. Please wait a moment and try again.',
};

export const SESSION_ENDED = {
  reuse:
    'You were signed out: this session was used from somewhere else (an old sign-in was replayed), so it was ended everywhere for safety.',
  revoked: 'You were signed out: this session was ended (signed out elsewhere or revoked by an administrator).',
  expired: 'You were signed out because your session expired. Please sign in again.',
  wrong_company: 'This session belongs to another company. Sign in at this company\'s address.',
  network: 'The server cannot be reached, so you were signed out. Please sign in again when it is back.',
  ended: 'You were signed out: your session has ended. Please sign in again.',
};

function byStatus(status) {
  if (status === 400) return 'The server did not accept this input.';
  if (status === 401) return 'Your session has ended. Please sign in again.';
  if (status === 403) return 'You are not allowed to do this.';
  if (status === 404) return 'That was not found.';
  if (status === 409) return 'That conflicts with existing data (it may exist already).';
  if (status === 413) return 'That is too large.';
  if (status === 416) return 'There are no more rows on that page.';
  if (status === 429) return 'Too many attempts. Please wait a moment and try again.';
  if (status === 503) return 'The service is busy or restarting. Please try again in a moment.';
  if (status >= 500) return 'Something went wrong on the server. Please try again later.';
  return `The request failed (HTTP ${status}).`;
}

/** A sentence for an axios error (or anything thrown). */
export function describe(error) {
  const r = error && error.response;
  if (!r) {
    if (error && error.code === 'ECONNABORTED') return 'The server took too long to answer. Please try again.';
    return 'The server cannot be reached. Check your connection and try again.';
  }
  const body = r.data && typeof r.data === 'object' ? r.data : {};
  if (body.error && BY_REASON[body.error]) return BY_REASON[body.error];
  const general = byStatus(r.status);
  // A database refusal of a value (a bad number, a too long text): its message is PostgreSQL's
  // own sentence, which names the problem without any token or JSON.
  if (r.status === 400 && typeof body.message === 'string' && body.message.length < 200) {
    return `${general} (${body.message})`;
  }
  return general;
}
