import { describe, expect, it } from 'vitest';
import { ConnectorError, redactSecrets } from './error-kinds.ts';

describe('ConnectorError', () => {
  it('never carries a bearer token or refresh token in its message', () => {
    const error = new ConnectorError({
      kind: 'permanent',
      provider: 'hubspot',
      message: 'failed with Authorization: Bearer CKz-secret-token refresh_token=na1-abc-123 and pat-na1-11111111-2222',
    });
    expect(error.message).not.toContain('CKz-secret-token');
    expect(error.message).not.toContain('na1-abc-123');
    expect(error.message).not.toContain('pat-na1-11111111-2222');
    expect(JSON.stringify(error)).not.toContain('CKz-secret-token');
  });

  it('keeps ordinary text readable', () => {
    expect(redactSecrets('HubSpot 400 VALIDATION_ERROR: Property "x" does not exist')).toBe('HubSpot 400 VALIDATION_ERROR: Property "x" does not exist');
  });
});
