// The part of `qrcode` 1.5.4 the app uses (its browser entry, lib/browser.js); no @types package is installed.
declare module 'qrcode' {
  interface BitMatrix {
    size: number;
    data: Uint8Array;
    get(row: number, col: number): number;
  }
  interface QRCodeModel {
    modules: BitMatrix;
    version: number;
  }
  export function create(
    text: string,
    options?: { errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H' },
  ): QRCodeModel;
  const QRCode: { create: typeof create };
  export default QRCode;
}
