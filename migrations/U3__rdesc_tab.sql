DROP TYPE rdesc_tab;
