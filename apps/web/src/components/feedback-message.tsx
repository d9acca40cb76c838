export type Feedback = { kind: 'error' | 'success'; text: string } | undefined;

/**
 * The outcome of an action, announced to screen readers: errors as alerts, successes as status.
 * The success paragraph is always rendered (hidden when empty) so its live region exists before
 * the message arrives, which is what makes screen readers read it.
 */
export function FeedbackMessage({ feedback }: { feedback: Feedback }) {
  return (
    <div className="feedback-slot">
      {feedback?.kind === 'error' && (
        <p className="notice notice-error" role="alert">
          {feedback.text}
        </p>
      )}
      <p className="notice notice-success" role="status" hidden={feedback?.kind !== 'success'}>
        {feedback?.kind === 'success' ? feedback.text : ''}
      </p>
    </div>
  );
}
