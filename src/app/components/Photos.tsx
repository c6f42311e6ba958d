import { useEffect, useState } from 'preact/hooks';
import type { AttachmentMeta } from '../../domain/attachment';
import { describeError } from '../errors';
import { vault } from '../vault-client';

/**
 * Decrypts an attachment in the vault worker and exposes it as an object URL
 * for as long as the component is mounted; the URL is revoked afterwards so
 * the plaintext does not outlive the view.
 */
function useObjectUrl(meta: AttachmentMeta): { url: string | null; error: string | null } {
  const [state, setState] = useState<{ url: string | null; error: string | null }>({ url: null, error: null });
  useEffect(() => {
    let url: string | null = null;
    let live = true;
    vault
      .readAttachment(meta)
      .then((stream) => new Response(stream).blob())
      .then((blob) => {
        url = URL.createObjectURL(new Blob([blob], { type: meta.type }));
        if (live) setState({ url, error: null });
        else URL.revokeObjectURL(url);
      })
      .catch((e: unknown) => live && setState({ url: null, error: describeError(e) }));
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [meta.id]);
  return state;
}

export function PhotoThumb({ meta, onOpen, onRemove }: { meta: AttachmentMeta; onOpen: () => void; onRemove?: () => void }) {
  const { url, error } = useObjectUrl(meta);
  return (
    <figure class="thumb">
      <button type="button" class="thumb-open" onClick={onOpen} aria-label={`View photo ${meta.name}`}>
        {url ? <img src={url} alt={meta.name} /> : <span class={error ? 'error' : ''}>{error ?? '…'}</span>}
      </button>
      {onRemove && (
        <button type="button" class="ghost small" onClick={onRemove} aria-label={`Remove photo ${meta.name}`}>
          Remove
        </button>
      )}
    </figure>
  );
}

/** Full-size view in a modal dialog; closing it revokes the decrypted URL. */
export function PhotoViewer({ meta, onClose }: { meta: AttachmentMeta; onClose: () => void }) {
  const { url, error } = useObjectUrl(meta);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div class="viewer" role="dialog" aria-modal="true" aria-label={`Photo ${meta.name}`}>
      <button type="button" class="close" onClick={onClose} autoFocus>
        Close
      </button>
      {url ? <img src={url} alt={meta.name} /> : <p class={error ? 'error' : ''}>{error ?? 'Decrypting…'}</p>}
    </div>
  );
}
