/** The variable naming one jest run's scratch directory (made by test/global-setup.js, removed after the run). */
export const RUN_DIR_VARIABLE = 'WSLB_JEST_RUN_DIR';
