/** The UUID inside a Relay global id ("base64(Type:uuid)"), or null when it holds none. */
export function uuidOfGlobalId(globalId: string): string | null {
  try {
    const decoded = atob(globalId);
    const uuid = decoded.slice(decoded.indexOf(":") + 1);
    return /^[0-9a-f-]{36}$/i.test(uuid) ? uuid : null;
  } catch {
    return null;
  }
}
