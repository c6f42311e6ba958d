/** An error sentence, announced as it appears; nothing when there is none. */
export function Alert({ message }: { message: string | null }) {
  return message ? (
    <p class="error" role="alert">
      {message}
    </p>
  ) : null;
}
