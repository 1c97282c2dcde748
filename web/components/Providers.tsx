"use client";
import { useState, type ReactNode } from "react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { WagmiProvider } from "wagmi";
import type { AppConfig } from "../lib/config";
import { ConfigProvider } from "../lib/app-config-context";
import { makeWagmiConfig } from "../lib/wagmi";
import { TxProvider } from "../lib/tx";
import { ReadClientProvider } from "../lib/read-client";

export function Providers({ config, children }: { config: AppConfig; children: ReactNode }) {
  const [wagmiConfig] = useState(() => makeWagmiConfig(config));
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { refetchInterval: 4_000, staleTime: 1_000, retry: 1, refetchOnWindowFocus: false } } }),
  );
  return (
    <ConfigProvider value={config}>
      <WagmiProvider config={wagmiConfig}>
        <QueryClientProvider client={queryClient}>
          <ReadClientProvider config={config}>
            <TxProvider>{children}</TxProvider>
          </ReadClientProvider>
        </QueryClientProvider>
      </WagmiProvider>
    </ConfigProvider>
  );
}
