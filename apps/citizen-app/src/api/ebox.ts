/**
 * The e-Box (the citizen's government document box). The app only links to documents: the
 * viewer loads `<eboxBase>/documents/<id>` in an in-app frame. In development and tests a local
 * stand-in serves `/ebox/documents/<id>` (apps/citizen-app/dev/ebox-stub.ts).
 */
export function eboxDocumentUrl(documentId: string, eboxBase = '/ebox'): string {
  return `${eboxBase.replace(/\/+$/, '')}/documents/${encodeURIComponent(documentId)}`;
}
