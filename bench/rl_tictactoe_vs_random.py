#!/usr/bin/python3
# Tic-tac-toe: the best response to a uniformly random opponent (what self-play Q-learning approaches
# while epsilon = 1) against a minimax opponent, by plain recursion over board strings -- written
# apart from src/rl so that tests/rl/test_tictactoe.cpp (BestResponseToRandom) has an independent
# check of its numbers. Usage: /usr/bin/python3 bench/rl_tictactoe_vs_random.py (about 1 s).
# Optimal play against a uniformly random opponent (the MDP Q-learning solves at epsilon = 1) vs minimax.
from functools import lru_cache
L=[(0,1,2),(3,4,5),(6,7,8),(0,3,6),(1,4,7),(2,5,8),(0,4,8),(2,4,6)]
def status(b):
    for a,c,d in L:
        if b[a]!='.' and b[a]==b[c]==b[d]: return b[a]
    return 'd' if '.' not in b else None
def mover(b): return 'x' if b.count('x')==b.count('o') else 'o'
def kids(b):
    m=mover(b); return {i:b[:i]+m+b[i+1:] for i in range(9) if b[i]=='.'}
@lru_cache(None)
def mm(b):  # value for x under perfect play
    s=status(b)
    if s: return {'x':1,'o':-1,'d':0}[s]
    v=[mm(c) for c in kids(b).values()]
    return max(v) if mover(b)=='x' else min(v)
def solver(me):
    sign = 1 if me=='x' else -1
    @lru_cache(None)
    def V(b):  # expected reward for `me`, me optimal, opponent uniform random
        s=status(b)
        if s: return sign*{'x':1,'o':-1,'d':0}[s]
        v=[V(c) for c in kids(b).values()]
        return max(v) if mover(b)==me else sum(v)/len(v)
    return V
def lost_lines(me):
    V=solver(me)
    @lru_cache(None)
    def lines(b):  # lines `me` (ties: all argmax) loses against minimax opponent (all optimal moves)
        s=status(b)
        if s: return 1 if s not in (me,'d') else 0
        k=kids(b)
        if mover(b)==me:
            best=max(V(c) for c in k.values()); ch=[c for c in k.values() if abs(V(c)-best)<1e-12]
        else:
            vals={i:mm(c) for i,c in k.items()}
            opt=max(vals.values()) if mover(b)=='x' else min(vals.values())
            ch=[k[i] for i in k if vals[i]==opt]
        return sum(lines(c) for c in ch)
    return lines
e='.'*9
for me in 'xo':
    print(me, "optimal vs random: value", round(solver(me)(e),4), "; lines lost against minimax:", lost_lines(me)(e))
# o: per x opening
lo=lost_lines('o')
print("o lines lost by x opening cell:", [lo('.'*i+'x'+'.'*(8-i)) for i in range(9)])
V=solver('o')
for i in (0,1,4):
    b='.'*i+'x'+'.'*(8-i); k=kids(b); best=max(V(c) for c in k.values())
    print("x opens", i, "-> o's best replies vs random:", [j for j,c in k.items() if abs(V(c)-best)<1e-12], "minimax-safe:", [j for j,c in k.items() if mm(c)==0])
