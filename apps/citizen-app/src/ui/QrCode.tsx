import { useMemo } from 'react';
import { qrSvg } from '../services/qr';

/** A QR code drawn as SVG from its data; the data is also the accessible description. */
export function QrCode({ data, label, title }: { data: string; label?: string; title: string }) {
  const svg = useMemo(() => qrSvg(data), [data]);
  return (
    <figure className="smis-qr">
      <svg
        role="img"
        aria-label={label ? `${title}: ${label}` : title}
        viewBox={`0 0 ${svg.viewBox} ${svg.viewBox}`}
        width="240"
        height="240"
        shapeRendering="crispEdges"
        data-qr-size={svg.size}
      >
        <rect width={svg.viewBox} height={svg.viewBox} fill="#ffffff" />
        <path d={svg.path} fill="#000000" />
      </svg>
      {label && <figcaption>{label}</figcaption>}
    </figure>
  );
}
