import type { Metadata } from "next";
import type { ReactNode } from "react";
import { connection } from "next/server";
import { Providers } from "../components/Providers";
import { Shell } from "../components/Shell";
import { readServerConfig } from "../lib/server/config";
import "./globals.css";

export const metadata: Metadata = {
  title: "GPU Credit",
  description: "Borrow against GPU fleets, earn on GPUSD, take liquidation auctions, and watch the book's risk.",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // The deployment is read per request, so one build serves any chain (see lib/server/config.ts).
  await connection();
  const { config, error } = readServerConfig();
  return (
    <html lang="en">
      <body>
        <a href="#main" className="skip-link">
          Skip to content
        </a>
        {config ? (
          <Providers config={config}>
            <Shell>{children}</Shell>
          </Providers>
        ) : (
          <main id="main" className="not-configured">
            <h1>GPU Credit</h1>
            <p role="alert">{error}</p>
          </main>
        )}
      </body>
    </html>
  );
}
