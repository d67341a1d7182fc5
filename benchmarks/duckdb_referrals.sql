-- Hand-written DuckDB query computing the referral figures for a financial year straight from
-- referrals.csv, with the same rules as wscb: rows identical in every column count once; rows
-- with a blank child id or a referral date that is not a real day-first date are set aside;
-- a re-referral is a referral within 12 months (on or after the same date a year earlier) of
-- the same child's previous referral. Parameters: $path, $start, $end (ISO dates).
WITH raw AS (
    SELECT DISTINCT * FROM read_csv($path, all_varchar = true, header = true)
),
parsed AS (
    SELECT
        trim("Child Unique ID") AS child_id,
        "Date of Birth" AS dob_text,
        trim("Date of referral") AS t
    FROM raw
),
dated AS (
    SELECT child_id, dob_text,
        COALESCE(
            try_strptime(t, ['%d/%m/%Y', '%Y-%m-%d', '%d/%m/%Y %H:%M', '%d/%m/%Y %H:%M:%S',
                             '%Y-%m-%d %H:%M:%S', '%d-%b-%Y'])::DATE,
            CASE WHEN regexp_full_match(t, '\d{5}')
                 THEN DATE '1899-12-30' + CAST(t AS INTEGER) END
        ) AS referral_date,
        t
    FROM parsed
),
usable AS (
    SELECT child_id, referral_date FROM dated
    WHERE child_id <> '' AND referral_date IS NOT NULL
      AND referral_date >= DATE '1990-01-01' AND referral_date < DATE '2100-01-01'
      -- an unreadable date of birth sets the row aside in wscb too
      AND (trim(dob_text) = '' OR COALESCE(
            try_strptime(trim(dob_text), ['%d/%m/%Y', '%Y-%m-%d', '%d/%m/%Y %H:%M',
                         '%d/%m/%Y %H:%M:%S', '%Y-%m-%d %H:%M:%S', '%d-%b-%Y'])::DATE,
            CASE WHEN regexp_full_match(trim(dob_text), '\d{5}')
                 THEN DATE '1899-12-30' + CAST(trim(dob_text) AS INTEGER) END) IS NOT NULL)
),
flagged AS (
    SELECT referral_date,
        lag(referral_date) OVER (PARTITION BY child_id ORDER BY referral_date) AS previous
    FROM usable
)
SELECT count(*) AS referrals,
       count(*) FILTER (WHERE previous IS NOT NULL
                        AND previous >= referral_date - INTERVAL 12 MONTH) AS rereferrals
FROM flagged
WHERE referral_date BETWEEN $start::DATE AND $end::DATE;
