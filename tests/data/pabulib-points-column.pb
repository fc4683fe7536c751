META
key;value
description;SYNTHETIC test file for pipeline/pb_import.py
country;Morocco
unit;Al Hoceïma
instance;2026
num_projects;3
num_votes;4
budget;700000
vote_type;approval
rule;greedy
date_begin;06.04.2026
date_end;19.04.2026
min_length;1
max_length;2
language;ar
currency;MAD
PROJECTS
project_id;cost;votes;name;category;selected
1;400000;3;مقترح اصطناعي أ;voirie;1
2;300000;3;مقترح اصطناعي ب;éclairage;1
3;350000;1;مقترح اصطناعي ج;sport;0
VOTES
voter_id;vote;points;age;sex;voting_method
v1;1,2;1;34;F;internet
v2;1,2;1;18-24;M;paper
v3;1,3;1;;;internet
v4;2;1;70;F;paper
