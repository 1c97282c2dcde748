"use client";
import { createContext, useContext } from "react";
import type { AppConfig } from "./config";

const ConfigContext = createContext<AppConfig | null>(null);
export const ConfigProvider = ConfigContext.Provider;

export function useAppConfig(): AppConfig {
  const config = useContext(ConfigContext);
  if (!config) throw new Error("useAppConfig needs <Providers config>; the layout renders it when a deployment is configured");
  return config;
}
