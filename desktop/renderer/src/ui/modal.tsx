import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A modal dialog on the platform's own <dialog>: it takes focus, keeps Tab inside, closes on Escape and
 * gives focus back to where it was, which hand-made overlays get wrong. An element marked `data-autofocus`
 * takes the focus first. Changing `front` brings the dialog back in front of any dialog opened over it.
 */
export function Modal({
  label,
  className,
  front,
  onClose,
  children,
}: {
  label: string;
  className?: string;
  front?: number;
  onClose(): void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const shownFront = useRef(front);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const returnFocus = document.activeElement as HTMLElement | null;
    dialog.showModal();
    // The dialog's own choice of first focus (the safe button of a question), over the first focusable element.
    dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    return () => {
      dialog.close();
      returnFocus?.focus?.();
    };
  }, []);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog || shownFront.current === front) return;
    shownFront.current = front;
    if (!dialog.open) return;
    // The top layer shows the dialog opened last in front (the others inert): reopening puts this one there,
    // within one task, so nothing is painted in between.
    dialog.close();
    dialog.showModal();
    dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
  }, [front]);
  return (
    <dialog
      ref={ref}
      aria-label={label}
      className={`modal ${className ?? ''}`}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
      // A click on the backdrop lands on the dialog element itself.
      onMouseDown={(event) => event.target === ref.current && onClose()}
    >
      {children}
    </dialog>
  );
}
