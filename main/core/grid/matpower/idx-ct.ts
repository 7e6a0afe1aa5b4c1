// MATPOWER idx_ct: columns and codes of a change table (chgtab), 1-based as
// in MATPOWER since table rows hold these numbers as data.

/** Columns of a change-table row. */
export const CT_LABEL = 1, CT_PROB = 2, CT_TABLE = 3, CT_ROW = 4, CT_COL = 5,
  CT_CHGTYPE = 6, CT_NEWVAL = 7;

/** Values of the CT_TABLE column: which data a row changes. */
export const CT_TBUS = 1, CT_TGEN = 2, CT_TBRCH = 3, CT_TAREABUS = 4,
  CT_TAREAGEN = 5, CT_TAREABRCH = 6, CT_TLOAD = 7, CT_TAREALOAD = 8,
  CT_TGENCOST = 9, CT_TAREAGENCOST = 10;

/** Values of the CT_CHGTYPE column: replace, multiply (relative), add. */
export const CT_REP = 1, CT_REL = 2, CT_ADD = 3;

/** CT_COL codes for CT_TLOAD / CT_TAREALOAD (negative: also scale the costs
 * of dispatchable loads). */
export const CT_LOAD_ALL_PQ = 1, CT_LOAD_FIX_PQ = 2, CT_LOAD_DIS_PQ = 3,
  CT_LOAD_ALL_P = 4, CT_LOAD_FIX_P = 5, CT_LOAD_DIS_P = 6;

/** CT_COL codes for CT_TGENCOST / CT_TAREAGENCOST. */
export const CT_MODCOST_F = -1, CT_MODCOST_X = -2;

/** Every idx_ct name with its value, for resolving names in a chgtab file. */
export const IDX_CT: Readonly<Record<string, number>> = {
  CT_LABEL, CT_PROB, CT_TABLE, CT_ROW, CT_COL, CT_CHGTYPE, CT_NEWVAL,
  CT_TBUS, CT_TGEN, CT_TBRCH, CT_TAREABUS, CT_TAREAGEN, CT_TAREABRCH,
  CT_TLOAD, CT_TAREALOAD, CT_TGENCOST, CT_TAREAGENCOST,
  CT_REP, CT_REL, CT_ADD,
  CT_LOAD_ALL_PQ, CT_LOAD_FIX_PQ, CT_LOAD_DIS_PQ, CT_LOAD_ALL_P, CT_LOAD_FIX_P, CT_LOAD_DIS_P,
  CT_MODCOST_F, CT_MODCOST_X,
};
