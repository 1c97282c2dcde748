"use client";
import { useAppConfig } from "../lib/app-config-context";
import { txUrl } from "../lib/config";
import { useTx, type ToastStatus } from "../lib/tx";
import { shortHash } from "../lib/units";

const STATUS_TEXT: Record<ToastStatus, string> = {
  wallet: "Confirm in your wallet…",
  pending: "Pending: waiting for the block…",
  confirmed: "Confirmed",
  failed: "Failed",
};

export function Toasts() {
  const config = useAppConfig();
  const { toasts, dismiss } = useTx();
  return (
    <section className="toasts" aria-label="Transactions" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.status}`} role={t.status === "failed" ? "alert" : "status"} data-testid="toast" data-status={t.status} data-kind={t.kind}>
          <div className="toast-head">
            <span className="toast-kind">{t.kind === "approve" ? "Approval" : "Transaction"}</span>
            <button type="button" className="toast-close" aria-label={`Dismiss: ${t.title}`} onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
          <strong className="toast-title">{t.title}</strong>
          <span className="toast-status">{STATUS_TEXT[t.status]}</span>
          {t.message ? <p className="toast-message">{t.message}</p> : null}
          {t.hash ? (
            <a className="toast-link" href={txUrl(config, t.hash)} target={config.explorerTxUrl.startsWith("/") ? undefined : "_blank"} rel="noreferrer">
              Transaction {shortHash(t.hash)}
            </a>
          ) : null}
        </div>
      ))}
    </section>
  );
}
