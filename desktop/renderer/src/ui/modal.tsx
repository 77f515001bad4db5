import { useEffect, useRef, type ReactNode } from 'react';

/**
 * A modal dialog on the platform's own <dialog>: it takes focus, keeps Tab inside, closes on Escape and
 * gives focus back to where it was, which hand-made overlays get wrong. An element marked `data-autofocus`
 * takes the focus first.
 */
export function Modal({
  label,
  className,
  onClose,
  children,
}: {
  label: string;
  className?: string;
  onClose(): void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
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
