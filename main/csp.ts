// The Content-Security-Policy of the app's pages, one constant for both
// adapters: the Electron window (response header on every load) and the
// loopback server (header on every response). renderer/index.html carries the
// same policy in a <meta> tag, less frame-ancestors (a meta tag cannot carry
// it); test/unit/edges-security.test.ts keeps the three equal.

export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
