import { MAX_REQUEST_METADATA_ENTRIES, requestMetadata, RequestMetadataKey, validateRequestMetadataKey } from '../../lib';

describe('requestMetadata', () => {
  test('keeps the values Converse accepts as they are, and leaves undefined ones out', () => {
    expect(
      requestMetadata({
        [RequestMetadataKey.TENANT]: 'acme-corp',
        [RequestMetadataKey.ROUTER]: 'Reference/Support',
        [RequestMetadataKey.TIER]: undefined,
        [RequestMetadataKey.REQUEST_ID]: 'c47d391b-fc83-4e79-93f9-4c5f477c02b1',
        note: 'a:b_c@d$e#f=g/h+i,j-k.l m',
      }),
    ).toEqual({
      tenant: 'acme-corp',
      router: 'Reference/Support',
      'request-id': 'c47d391b-fc83-4e79-93f9-4c5f477c02b1',
      note: 'a:b_c@d$e#f=g/h+i,j-k.l m',
    });
  });

  test('makes values fit: characters Converse refuses become _, and long values are cut to 256', () => {
    const metadata = requestMetadata({ tenant: "O'Brien & Söhne", feature: 'x'.repeat(300), empty: '' });
    expect(metadata).toEqual({ tenant: 'O_Brien _ S_hne', feature: 'x'.repeat(256), empty: '' });
  });

  test('sends nothing rather than an empty map, which Converse refuses', () => {
    expect(requestMetadata({})).toBeUndefined();
    expect(requestMetadata({ tenant: undefined })).toBeUndefined();
  });

  test.each([
    ['empty', ''],
    ['too long', 'k'.repeat(257)],
    ['containing a quote', "tenant'"],
    ['containing a question mark', 'why?'],
  ])('refuses a key that is %s', (_case, key) => {
    expect(() => requestMetadata({ [key]: 'v' })).toThrow(/^requestMetadata key .* must be 1-256 characters of letters, digits, whitespace and : _ @ \$ # = \/ \+ , - \.$/);
    expect(() => validateRequestMetadataKey(key)).toThrow(RangeError);
  });

  test(`refuses more than ${MAX_REQUEST_METADATA_ENTRIES} entries`, () => {
    const entries = Object.fromEntries(Array.from({ length: 17 }, (_, index) => [`k${index}`, 'v']));
    expect(() => requestMetadata(entries)).toThrow('requestMetadata takes at most 16 entries, got 17');
  });
});
