/** Maximum candidate version name length, in characters. */
const MAX_VERSION_LENGTH = 200;

/** Rejects candidate version names the networked stores cannot use as part of a key. */
export function validateVersionName(version: string): void {
  if (typeof version !== 'string' || version === '' || version.length > MAX_VERSION_LENGTH) {
    throw new TypeError(`invalid candidate version "${String(version)}": expected 1 to ${MAX_VERSION_LENGTH} characters`);
  }
  // '#' separates the version from the part number in DynamoDB sort keys; control characters break logs.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point of this check
  if (/[#\u0000-\u001f]/.test(version)) {
    throw new TypeError(`invalid candidate version "${version}": "#" and control characters are not allowed`);
  }
}

/** Orders committed versions oldest first by commit time, then by name. */
export function orderByCommitTime(versions: Iterable<readonly [string, { readonly committedAt?: number }]>): string[] {
  return [...versions]
    .sort(([nameA, infoA], [nameB, infoB]) => {
      const byTime = (infoA.committedAt ?? 0) - (infoB.committedAt ?? 0);
      if (byTime !== 0) return byTime;
      return nameA < nameB ? -1 : nameA > nameB ? 1 : 0;
    })
    .map(([name]) => name);
}
