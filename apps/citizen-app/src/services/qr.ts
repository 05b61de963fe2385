import QRCode from 'qrcode';

export interface QrSvg {
  /** Modules per side, without the quiet zone. */
  size: number;
  /** viewBox side (size + 2 × quiet zone). */
  viewBox: number;
  /** One SVG path of all dark modules (1×1 squares), offset by the quiet zone. */
  path: string;
}

const QUIET_ZONE = 4;

/**
 * The QR code of `data` as an SVG path (no canvas, no DOM: renders the same in a WebView, a
 * browser and tests). Error correction M, the usual choice for tickets and certificates.
 */
export function qrSvg(data: string): QrSvg {
  const { modules } = QRCode.create(data, { errorCorrectionLevel: 'M' });
  const size = modules.size;
  let path = '';
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      if (modules.data[row * size + col]) path += `M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`;
    }
  }
  return { size, viewBox: size + 2 * QUIET_ZONE, path };
}
