// template-demo
'use client';

import type { ImportView } from '@app/db';
import { importFileAccept } from '@app/shared/contracts/import-file-rules';
import { type DragEvent, useEffect, useId, useRef, useState } from 'react';
import { formatBytes } from '@/lib/format';
import { checkUpload } from '@/lib/upload-check';
import { type Feedback, FeedbackMessage } from './feedback-message';

type Props = {
  /** IMPORT_MAX_BYTES from the server, so the browser refuses what the server would refuse. */
  maxBytes: number;
  onUploaded: (view: ImportView) => void;
};

/**
 * Drag a CSV onto the zone or pick one with the file input (a real <input type="file"> inside
 * the label, so Tab, Enter and Space work). The file uploads as soon as it is chosen.
 */
export function UploadForm({ maxBytes, onUploaded }: Props) {
  const inputId = useId();
  const hintId = useId();
  const input = useRef<HTMLInputElement>(null);
  const [dragging, setDragging] = useState(false);
  const [uploading, setUploading] = useState<string | undefined>();
  const [feedback, setFeedback] = useState<Feedback>();

  // A file dropped beside the zone would otherwise make the browser open it and leave the page.
  useEffect(() => {
    const prevent = (event: globalThis.DragEvent) => {
      if (event.dataTransfer?.types.includes('Files')) event.preventDefault();
    };
    window.addEventListener('dragover', prevent);
    window.addEventListener('drop', prevent);
    return () => {
      window.removeEventListener('dragover', prevent);
      window.removeEventListener('drop', prevent);
    };
  }, []);

  async function upload(list: FileList | null) {
    // Copied first: the FileList is live and empties when the input is reset below.
    const files = Array.from(list ?? []);
    if (input.current) input.current.value = ''; // choosing the same file again still uploads
    const [file, ...others] = files;
    if (!file) return;
    if (others.length > 0) {
      setFeedback({ kind: 'error', text: 'Drop one file at a time.' });
      return;
    }
    const problem = checkUpload(file, maxBytes);
    if (problem) {
      setFeedback({ kind: 'error', text: problem });
      return;
    }
    setFeedback(undefined);
    setUploading(file.name);
    try {
      const body = new FormData();
      body.append('file', file);
      const response = await fetch('/api/imports', { method: 'POST', body });
      const json = (await response.json().catch(() => undefined)) as
        | { import?: ImportView; error?: { message?: string } }
        | undefined;
      if (!response.ok || !json?.import) {
        const reason = json?.error?.message ?? `the server answered ${response.status}`;
        setFeedback({ kind: 'error', text: `“${file.name}” was not imported: ${reason}.` });
        return;
      }
      onUploaded(json.import);
      setFeedback({
        kind: 'success',
        text: `“${file.name}” (${formatBytes(file.size)}) is queued; progress shows below.`,
      });
    } catch {
      setFeedback({
        kind: 'error',
        text: `“${file.name}” could not be sent: check your connection and try again.`,
      });
    } finally {
      setUploading(undefined);
    }
  }

  const onDrop = (event: DragEvent<HTMLLabelElement>) => {
    event.preventDefault();
    setDragging(false);
    void upload(event.dataTransfer.files);
  };

  return (
    <section className="card upload" aria-labelledby={`${inputId}-title`}>
      <h2 id={`${inputId}-title`} className="card-title">
        Import contacts
      </h2>
      <label
        htmlFor={inputId}
        className="dropzone"
        data-dragging={dragging || undefined}
        data-busy={uploading ? true : undefined}
        onDragEnter={(event) => {
          event.preventDefault();
          setDragging(true);
        }}
        onDragOver={(event) => {
          event.preventDefault();
          event.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={(event) => {
          if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
        }}
        onDrop={onDrop}
      >
        <span className="dropzone-icon" aria-hidden="true" />
        <span className="dropzone-title">
          {uploading ? `Uploading ${uploading}…` : 'Drop a CSV file here, or choose one'}
        </span>
        <span className="dropzone-hint" id={hintId}>
          One column named Email (or E-mail, Email Address); Name or First/Last Name, Company and
          Phone are picked up too. Up to {formatBytes(maxBytes)}.
        </span>
        <input
          ref={input}
          id={inputId}
          className="dropzone-input"
          type="file"
          name="file"
          accept={importFileAccept}
          aria-describedby={hintId}
          disabled={uploading !== undefined}
          onChange={(event) => void upload(event.currentTarget.files)}
        />
      </label>
      <FeedbackMessage feedback={feedback} />
    </section>
  );
}
